"""Two-stage campaign targeting with self-paced label correction (document 004 §3.2, §4.2-4.3).

Stage 1 is a class-weighted multinomial softmax classifier (document 004's "single-layer
neural network": a linear layer and a softmax, trained on the weighted categorical cross
entropy of eq. 1) over the observed campaign outcomes engaged / unengaged / inactive. Users it
predicts inactive (P(inactive) at or above a cut) are excluded from targeting. Stage 2 is a
binary XGBoost model of engaged (positive) versus unengaged (negative) trained with the
self-paced loss correction of eq. 4-5 as a custom objective: after a warm-up, a positive whose
predicted probability is at or below tau contributes the negative loss, so engaged users who
look like organic buyers stop pulling the "prompted" score up. A plain binary cross entropy
(BCE) model is trained beside it for comparison.

Pure functions on pandas/numpy; the dbt Python models in python_models/campaign/ read the
intermediate campaign tables, call these and return frames. Every random number generator is
seeded.

Modules: ``outcomes`` (labels, splits, the input error), ``features`` (the encoder), ``stage1``,
``splc`` (stage 2's objective and booster), ``pipeline`` (the two stages end to end, what
campaign_stage1/2_predictions run) and ``evaluation``: the only module that reads the
generator's hidden intent (tests/python/test_package_layout.py checks it). The truth never reaches a
feature or a training label (the vars' values of tau and the inactive cut were chosen on
validation campaigns - fit on 2021, evaluated on 2022 - never on the test campaigns).
"""
