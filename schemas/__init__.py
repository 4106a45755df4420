"""The event contract: Avro schema versions and the codec that reads them all."""
