"""``make bench``: run every benchmark in turn."""

from bench import codec, ingest

if __name__ == "__main__":
    codec.main()
    ingest.main()
