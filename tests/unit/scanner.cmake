ms_unit_test(test_addrpolicy ms_scanner)
ms_unit_test(test_exclude ms_scanner)
ms_unit_test(test_merge ms_scanner)
ms_unit_test(test_recent ms_scanner)
