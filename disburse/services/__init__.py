"""Use cases: each function takes the unit-of-work factory, ids and values; opens, decides, commits once."""
