"""Long-running processes over Kafka and the ledger: the ledger writer (projector and detector later)."""
