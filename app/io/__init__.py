"""Reading and writing the exchange format, CSV and GeoJSON."""
