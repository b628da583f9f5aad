module cityledger.local/fabric-ca-build

go 1.26

require github.com/hyperledger/fabric-ca v1.5.18 // indirect
