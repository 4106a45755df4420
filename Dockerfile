# The auditlog package and its `auditlog` CLI; docker-compose.yml runs it as
# `auditlog db migrate` and `auditlog ingest`. Not needed for `make run` / `make test`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

WORKDIR /app
COPY . .
RUN pip install --no-cache-dir ".[server]"

# No ENTRYPOINT: compose (or `docker run IMAGE auditlog ...`) names the command.
CMD ["auditlog", "--help"]
