# Unit tests of the resolver's pure logic (no network).
ms_unit_test(test_resolver ms_resolver ms_common)
