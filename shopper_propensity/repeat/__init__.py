"""Who buys again, and what they are worth (issue 20): per customer and domain, at a cutoff, the
probability of a purchase in the next horizon, the expected purchase days and the expected
spend - from ML candidates trained on earlier cutoffs (rolling origin), beside the BG/NBD +
Gamma-Gamma baseline of ``shopper_propensity.clv`` fitted on the same customers up to the same
cutoff.

- ``features``: what the models read from int_repeat_customers_featurized, and its encoding;
- ``candidates``: the candidate families (a classifier, a count and a spend model each);
- ``training``: fit on the training cutoffs, champion on the validation cutoff (repeat_model_registry);
- ``baseline``: BG/NBD and Gamma-Gamma per domain at a cutoff;
- ``scoring``: every model's forecast at the validation and scored cutoffs (repeat_predictions);
- ``evaluation``: the forecast against what happened (repeat_model_metrics).

A purchase is a purchase day (the orders of a customer on a domain on one date), as BG/NBD
counts transactions, so the ML and the probabilistic forecasts predict the same quantity.
"""
