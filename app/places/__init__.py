"""Reference data of places: the districts and cities of the region."""
