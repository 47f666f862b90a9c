// Child processes for the reliability tests: start a program, kill it, wait
// for it. POSIX only (fork, execv, kill, waitpid).
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace leadterra::test {

class ChildProcess {
 public:
  // Starts `program` with `args`; its stdout and stderr go to the files named
  // (or /dev/null when empty). Throws std::system_error when fork fails.
  ChildProcess(const std::string& program, const std::vector<std::string>& args, const std::string& stdoutPath = {},
               const std::string& stderrPath = {}) {
    std::vector<std::string> all{program};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = fork();
    if (pid_ < 0) throw std::system_error(errno, std::generic_category(), "fork");
    if (pid_ == 0) {
      // In the child only async-signal-safe calls until exec.
      const auto redirect = [](const std::string& path, int fd) {
        const int to = open(path.empty() ? "/dev/null" : path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (to >= 0) {
          dup2(to, fd);
          close(to);
        }
      };
      redirect(stdoutPath, STDOUT_FILENO);
      redirect(stderrPath, STDERR_FILENO);
      execv(program.c_str(), argv.data());
      _exit(127);
    }
  }

  ~ChildProcess() {
    if (pid_ > 0 && !waited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Sends SIGKILL and waits. True when the child was still running, i.e. the
  // kill interrupted it (false: it had already exited on its own).
  bool killNow() {
    const bool running = !finished();
    kill(pid_, SIGKILL);
    wait();
    return running && killedBySignal();
  }

  // Waits for the child to end; returns the raw wait status.
  int wait() {
    if (!waited_) {
      while (waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
      }
      waited_ = true;
    }
    return status_;
  }

  // True when the child has ended (reaps it).
  bool finished() {
    if (waited_) return true;
    const pid_t r = waitpid(pid_, &status_, WNOHANG);
    if (r == pid_) waited_ = true;
    return waited_;
  }

  // The exit code after wait(); -1 when it ended by a signal.
  [[nodiscard]] int exitCode() const { return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1; }
  [[nodiscard]] bool killedBySignal() const { return WIFSIGNALED(status_) && WTERMSIG(status_) == SIGKILL; }
  [[nodiscard]] pid_t pid() const noexcept { return pid_; }

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool waited_ = false;
};

}  // namespace leadterra::test
