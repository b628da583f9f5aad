// Integration tests talk to a real network: endorsement, ordering and commit take seconds.
jest.setTimeout(180_000);
