// SPDX-License-Identifier: GPL-2.0
/*
 * axas_test.ko: every KUnit suite of axas in one test module. Each suite's
 * file registers itself with kunit_test_suite(); this file only says what
 * the module is and that it may use the internals axas.ko exports for it.
 */
#include <linux/module.h>
#include <kunit/visibility.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suites of axas: engine, core, types, hardware verification");
MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
