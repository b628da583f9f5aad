"""The spec document, its canonical hash, and the splits."""

import json

import numpy as np
import pandas as pd
import pytest
from conftest import MODELS_DIR

from flowml import splits
from flowml.canonical import canonical_json, canonical_sha256


def test_canonical_json_matches_rfc8785_for_supported_values():
    assert canonical_json({"b": [1, 1.0, 1.5, -0.25], "a": {"z": None, "y": True}}) == (
        '{"a":{"y":true,"z":null},"b":[1,1,1.5,-0.25]}'
    )
    assert canonical_json("tab\t\"q\" \u00e9 \u0001") == '"tab\\t\\"q\\" \u00e9 \\u0001"'
    for bad in (float("nan"), 1e-7, 1e21, {1: 2}, {"\u00e9": 1}):
        with pytest.raises((ValueError, TypeError)):
            canonical_json(bad)


def test_spec_is_well_formed(spec):
    names = [f["name"] for f in spec["features"]]
    assert len(names) == len(set(names)) == spec["input"]["shape"][1]
    assert [f["index"] for f in spec["features"]] == list(range(len(names)))
    for f in spec["features"]:
        assert f["transform"]["op"] in spec["transforms"], f["name"]
    forbidden = {"src_addr", "dst_addr", "src_port", "ts", "start_ms", "end_ms", "row_key"}
    flow_feats = [f for f in spec["features"] if not f["transform"]["op"].startswith("context_")]
    ctx_feats = [f for f in spec["features"] if f["transform"]["op"].startswith("context_")]
    # host context: only counts and shares, each a documented quantity; the context section names its inputs
    assert {f["transform"]["input"] for f in ctx_feats} == set(spec["context"]["quantities"])
    assert set(spec["context"]["sources"]) == set(spec["formats"])
    assert spec["context"]["windowMs"] > 0 and spec["context"]["maxFlowsPerSource"] > 0
    used = {v for f in flow_feats for k, v in f["transform"].items() if k in ("input", "numerator",
                                                                            "denominator")}
    used |= {v for f in spec["features"] for v in f["transform"].get("inputs", [])}
    assert used <= {b["name"] for b in spec["biflow"]}
    assert used.isdisjoint(forbidden)
    # the exact destination port is only used through range/none buckets
    assert {f["transform"]["op"] for f in spec["features"] if f["transform"].get("input") == "dst_port"} == {
        "port_none",
        "port_range",
    }
    for field in spec["biflow"]:
        assert set(field["sources"]) == set(spec["formats"]), field["name"]


def test_committed_spec_is_the_built_spec(spec):
    committed = json.loads((MODELS_DIR / "feature-spec.json").read_text(encoding="utf-8"))
    assert committed == spec, "models/feature-spec.json is stale: run models/scripts/train.sh"
    manifest = json.loads((MODELS_DIR / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["specSha256"] == canonical_sha256(spec)
    for entry in manifest["models"]:
        assert entry["specSha256"] == canonical_sha256(spec)
        assert entry["registryEntry"]["featureSpecSha256"] == canonical_sha256(spec)
        t = entry["registryEntry"]["thresholds"]
        assert 0 <= t["suspicious"] < t["malicious"] <= 1


def test_stratified_split_is_seeded_and_proportional():
    df = pd.DataFrame({"row_key": [f"k{i}" for i in range(1000)], "stratum": ["a"] * 800 + ["b"] * 200})
    s1 = splits.stratified_split(df)
    s2 = splits.stratified_split(df.sample(frac=1.0, random_state=3))
    assert (s1 == s2.loc[s1.index]).all(), "split must not depend on row order"
    counts = s1.groupby(df["stratum"]).value_counts().unstack()
    assert counts.loc["a"].to_dict() == {"test": 120, "train": 560, "val": 120}
    assert counts.loc["b"].to_dict() == {"test": 30, "train": 140, "val": 30}


def test_time_split_keeps_later_flows_for_test():
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"capture": ["c1"] * 50 + ["c2"] * 10, "ts": rng.uniform(0, 1000, 60),
                       "line_index": np.arange(60), "observable": [True] * 58 + [False] * 2})
    s = splits.time_split(df)
    assert (s[~df["observable"]] == "excluded").all()
    for _, g in df[df["observable"]].groupby("capture"):
        part = s.loc[g.index]
        assert g["ts"][part == "train"].max() <= g["ts"][part == "val"].min()
        assert g["ts"][part == "val"].max() <= g["ts"][part == "test"].min()
