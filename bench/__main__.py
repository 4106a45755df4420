"""``make bench``: run every benchmark in turn."""

from bench import codec, produce, state, who

if __name__ == "__main__":
    codec.main()
    produce.main()
    state.main()
    who.main()
