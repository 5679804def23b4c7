"""The benchmark: our pages and API at county and province scale against hand-written SQL
floors (run `python -m bench`; see bench/README.md)."""
