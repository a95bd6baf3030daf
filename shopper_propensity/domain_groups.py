"""The domain group the marts report beside single domains: every domain but the primary one,
pooled (document 000 §7.5 reports transfer to the other retailers together).

The SQL models write the same label; the report reads it from the marts. Kept apart from the
models so the report can import it without scikit-learn or XGBoost.
"""

ALL_NON_PRIMARY = "all non-primary domains"
