"""Personas: k-means segments of each domain's users, named from evidence (document 000 §6,
documents 002 and 003).

Modules: ``segmentation`` (the matrix, k selection, canonical segment ids), ``names`` (persona
names from the segments' raw medians) and ``pipeline`` (the tables the dbt Python models in
python_models/personas/ return, looping over the segmented domains).
"""
