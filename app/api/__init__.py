"""The JSON API over the same services the pages use."""
