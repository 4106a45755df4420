"""``make bench``: run every benchmark in turn."""

from bench import codec, state, who

if __name__ == "__main__":
    codec.main()
    state.main()
    who.main()
