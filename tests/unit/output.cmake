# Output tests: record encoding, CSV/JSON writers, the LMDB result store (crash test included).
ms_unit_test(test_record ms_output ms_common)
ms_unit_test(test_csv ms_output ms_common)
ms_unit_test(test_store ms_output ms_common)
set_tests_properties(unit.test_store PROPERTIES TIMEOUT 300)
