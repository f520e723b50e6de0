#define _GNU_SOURCE
#include "CDroverPTY.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

int drover_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd, int use_pty,
                 unsigned short rows, unsigned short cols, int *input, int *output, int *error, int *pid) {
    int master = -1;
    char slave[128] = {0};
    int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
    if (use_pty) {
        master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (master < 0) return errno;
        if (grantpt(master) != 0 || unlockpt(master) != 0 || ptsname_r(master, slave, sizeof slave) != 0) {
            int saved = errno;
            close(master);
            return saved;
        }
        struct winsize size = {.ws_row = rows, .ws_col = cols};
        ioctl(master, TIOCSWINSZ, &size);
    } else if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
        int saved = errno;
        for (int i = 0; i < 2; i++) {
            if (in_pipe[i] >= 0) close(in_pipe[i]);
            if (out_pipe[i] >= 0) close(out_pipe[i]);
            if (err_pipe[i] >= 0) close(err_pipe[i]);
        }
        return saved;
    }
    pid_t child = fork();
    if (child < 0) {
        int saved = errno;
        if (master >= 0) close(master);
        return saved;
    }
    if (child == 0) {
        // Only async-signal-safe calls from here to exec.
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGQUIT, SIG_DFL);
        setsid();
        if (use_pty) {
            int fd = open(slave, O_RDWR);
            if (fd < 0) _exit(127);
            ioctl(fd, TIOCSCTTY, 0);
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(fd, 2);
            if (fd > 2) close(fd);
        } else {
            dup2(in_pipe[0], 0);
            dup2(out_pipe[1], 1);
            dup2(err_pipe[1], 2);
        }
        if (cwd != NULL && chdir(cwd) != 0) _exit(127);
        execve(path, argv, envp);
        _exit(127);
    }
    *pid = child;
    if (use_pty) {
        *input = master;
        *output = master;
        *error = -1;
    } else {
        close(in_pipe[0]);
        close(out_pipe[1]);
        close(err_pipe[1]);
        *input = in_pipe[1];
        *output = out_pipe[0];
        *error = err_pipe[0];
    }
    return 0;
}

int drover_set_terminal_size(int fd, unsigned short rows, unsigned short cols) {
    struct winsize size = {.ws_row = rows, .ws_col = cols};
    return ioctl(fd, TIOCSWINSZ, &size);
}

int drover_terminal_size(int fd, unsigned short *rows, unsigned short *cols) {
    struct winsize size;
    if (ioctl(fd, TIOCGWINSZ, &size) != 0) return -1;
    *rows = size.ws_row;
    *cols = size.ws_col;
    return 0;
}

int drover_wait_exit(int pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) return -1;
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}
