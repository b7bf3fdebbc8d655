/* SR_ASAN is defined in an AddressSanitizer build (gcc or clang). */
#ifndef SR_ASAN_H
#define SR_ASAN_H

#if defined(__SANITIZE_ADDRESS__)
#define SR_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SR_ASAN 1
#endif
#endif

#endif
