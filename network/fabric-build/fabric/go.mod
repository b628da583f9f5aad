module cityledger.local/fabric-build

go 1.26

require github.com/hyperledger/fabric v1.4.0-rc1.0.20250510200036-435a7f1a780a // indirect
