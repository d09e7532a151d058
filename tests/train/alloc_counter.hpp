// Global operator new calls made so far by this test binary (alloc_counter.cpp).
#pragma once

namespace annlab::testdata {
long allocation_count();
}  // namespace annlab::testdata
