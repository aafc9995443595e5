# Analysis tests: the report model and its writers.
ms_unit_test(test_model ms_analysis ms_common)
