"""What we say: wording packs (one TOML file per language), SMS segment maths, and the checker."""
