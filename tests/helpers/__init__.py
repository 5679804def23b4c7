"""Helpers the test modules share: building and reading workbooks, handing files to uploads and
imports. One copy here instead of one per module."""
