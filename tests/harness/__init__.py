"""The test world: real programs and local stand-ins, shared by the tests and `make sandbox`."""
