# probes.cmake: unit tests of the probes library (TXT record parsers).
ms_unit_test(test_ststxt ms_probes ms_common)
ms_unit_test(test_tlsrpt ms_probes ms_common)
ms_unit_test(test_smtpreply ms_probes ms_common)
ms_unit_test(test_certinfo ms_probes ms_common)
ms_unit_test(test_stspolicy ms_probes ms_common)
ms_unit_test(test_dane_rollover ms_probes ms_common)
