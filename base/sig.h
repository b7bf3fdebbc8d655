/* Installing stop-signal handlers without overriding a parent's choice. */
#ifndef SR_SIG_H
#define SR_SIG_H

#include <signal.h>

/* sigaction(sig, sa, NULL), except when sig is SIGHUP or SIGTERM and is
 * ignored on entry: nohup (and any parent that ignores a signal on purpose)
 * must keep working, so an inherited SIG_IGN stays. SIGINT is installed
 * regardless: a non-interactive shell ignores it in every background job
 * (`cmd &`), which is not the user asking for it to be ignored.
 * Returns 0 or -errno. */
int sr_sig_install(int sig, const struct sigaction *sa);

#endif
