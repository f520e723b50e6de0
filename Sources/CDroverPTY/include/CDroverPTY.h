// What Swift cannot call itself: ioctl is variadic, and a child that gets a controlling
// terminal must be set up between fork and exec.
#ifndef CDROVERPTY_H
#define CDROVERPTY_H

/// Starts `path` with `argv` and `envp` in a new session, in `cwd` when not NULL. With
/// `use_pty`, on a new pseudo-terminal of `rows` x `cols` that becomes its controlling
/// terminal: `*input` and `*output` are both its master side and `*error` is -1. Without, on
/// three pipes. Returns 0, or the errno of what failed; `*pid` is the child.
int drover_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd, int use_pty,
                 unsigned short rows, unsigned short cols, int *input, int *output, int *error, int *pid);

/// Sets a terminal's size (TIOCSWINSZ); the foreground process group gets SIGWINCH.
int drover_set_terminal_size(int fd, unsigned short rows, unsigned short cols);

/// Reads a terminal's size (TIOCGWINSZ); returns -1 when `fd` is not a terminal.
int drover_terminal_size(int fd, unsigned short *rows, unsigned short *cols);

/// Waits for child `pid` to end; returns its exit code, or 128 + the signal that killed it.
int drover_wait_exit(int pid);

#endif
