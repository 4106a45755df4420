"""``make bench``: run every benchmark in turn."""

from bench import api, codec, detect, feed, ingest, oncall, produce, state, tree, who

if __name__ == "__main__":
    codec.main()
    produce.main()
    ingest.main()
    feed.main()
    state.main()
    who.main()
    oncall.main()
    tree.main()
    detect.main()
    api.main()
