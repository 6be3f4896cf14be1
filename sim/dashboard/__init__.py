"""The dashboard's logic, apart from its page (``sim/app.py``): controls, ensembles and reproducible exports.

Nothing here imports solara, so it is tested without a browser and without the ``viz`` extra.
"""
