"""Stand-in package for SGLang (tests/cluster/serving_test.sh): only launch_server."""
