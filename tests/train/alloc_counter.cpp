// A counting global operator new for the test_optim binary, in its own translation unit (so
// the compiler never sees malloc/free pair up with new/delete): the allocation test reads
// allocation_count() between batches.
#include <cstdlib>
#include <new>

#include "alloc_counter.hpp"

namespace {
long g_allocations = 0;
}

namespace annlab::testdata {
long allocation_count() {
  return g_allocations;
}
}  // namespace annlab::testdata

void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
