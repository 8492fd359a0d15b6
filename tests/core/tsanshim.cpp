// Linked only into the ThreadSanitizer build of the extractor suites (installer/tsan.sh). Qt 6.4's
// QProcess starts a tool with clone(CLONE_VM | CLONE_VFORK), which the TSan runtimes of clang 14 and
// 16 intercept as if it were fork() and then abort in the child ("CHECK failed: tsan_rtl.cpp
// ... ForkAfter"). The runtime defines its clone interceptor as a weak symbol, so this definition
// replaces it: the call goes straight to the C library. The child shares the parent's memory and
// runs only Qt's (uninstrumented) code until it execs, while the parent waits (CLONE_VFORK), so
// TSan has nothing to track there.

#include <cstdarg>
#include <dlfcn.h>
#include <sys/types.h>

extern "C" int clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
    using CloneFn = int (*)(int (*)(void *), void *, int, void *, ...);
    static const auto real = reinterpret_cast<CloneFn>(dlsym(RTLD_NEXT, "clone"));
    va_list rest;
    va_start(rest, arg);
    // The optional arguments, which glibc reads only when flags ask for them.
    pid_t *parentTid = va_arg(rest, pid_t *);
    void *tls = va_arg(rest, void *);
    pid_t *childTid = va_arg(rest, pid_t *);
    va_end(rest);
    return real(fn, stack, flags, arg, parentTid, tls, childTid);
}
