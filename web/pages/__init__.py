"""The HTML pages: one module per area, each a blueprint `bp` registered by create_app."""
