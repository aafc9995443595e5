# Analysis tests: the report model and its writers.
ms_unit_test(test_model ms_analysis ms_common)
ms_unit_test(test_html ms_analysis ms_common)
ms_unit_test(test_svg ms_analysis ms_common)
# A report from a hand-built model, rendered by the HTML rendering test (no scan needed).
add_executable(ms-report-sample ${CMAKE_CURRENT_LIST_DIR}/../report/sample_report.c)
target_link_libraries(ms-report-sample PRIVATE ms_analysis ms_common)
ms_unit_test(test_report_writers ms_analysis ms_common)
ms_unit_test(test_report_units ms_analysis ms_common)
ms_unit_test(test_report_changes ms_analysis ms_common)
