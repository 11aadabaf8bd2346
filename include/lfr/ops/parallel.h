// A small thread pool owned by the caller (no global state): kernels split their work into tasks
// and run them on it. One pool may serve many sessions; their jobs take turns.
//
// Determinism: an op's tasks are chosen so that every output element is computed by the same
// arithmetic whoever runs it and however the work is cut, so results are bit-identical for any
// thread count (tests/test_ops_parallel.cpp).
#pragma once
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#ifdef __linux__
#include <sched.h>
#endif

namespace lfr {

// The CPUs this process may run on (sched_getaffinity), at least 1.
inline int available_cpus() {
#ifdef __linux__
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
#endif
    return int(std::max(1u, std::thread::hardware_concurrency()));
}

// Busy-waits up to about 50 us for done() (a model's ops come back to back: a worker that sleeps
// between them costs a futex wake-up per op, which ate most of the second thread's gain). False
// when it gave up; the caller then sleeps on its condition variable.
template <class Done>
inline bool spin_until(Done done) {
    for (int i = 0; i < 4096; ++i) {
        if (done()) return true;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        asm volatile("yield");
#endif
    }
    return done();
}

class ThreadPool {
public:
    // threads: workers including the calling thread (threads - 1 are started).
    explicit ThreadPool(int threads) {
        for (int i = 1; i < std::max(1, threads); ++i) workers_.emplace_back([this, i] { work(i); });
    }
    ~ThreadPool() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        for (auto& t : workers_) t.join();
    }
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return int(workers_.size()) + 1; }

    // Calls fn(task, worker) for every task in [0, n), worker in [0, size()) naming the thread (for
    // its scratch); returns when all are done. The caller runs tasks too.
    void run(int64_t n, const std::function<void(int64_t, int)>& fn) {
        if (n <= 0) return;
        if (workers_.empty() || n == 1) {
            for (int64_t i = 0; i < n; ++i) fn(i, 0);
            return;
        }
        std::lock_guard<std::mutex> job_lock(job_mutex_);  // one job at a time per pool
        {
            std::lock_guard<std::mutex> lock(mutex_);
            fn_ = &fn;
            n_ = n;
            next_.store(0);
            open_.store(true);
            generation_.fetch_add(1);  // publishes the job to spinning workers (seq_cst)
        }
        wake_.notify_all();
        take_tasks(0);
        // Close the job, then wait only for the workers that joined it: one that has not started by
        // now (asleep, or descheduled on this very CPU) costs the caller nothing.
        open_.store(false);
        if (!spin_until([this] { return active_.load() == 0; })) {
            std::unique_lock<std::mutex> lock(mutex_);
            done_.wait(lock, [this] { return active_.load() == 0; });
        }
        fn_ = nullptr;
    }

private:
    void take_tasks(int worker) {
        for (int64_t i; (i = next_.fetch_add(1)) < n_;) (*fn_)(i, worker);
    }

    void work(int worker) {
        uint64_t seen = 0;
        for (;;) {
            const auto ready = [&] { return stop_.load() || generation_.load() != seen; };
            if (!spin_until(ready)) {
                std::unique_lock<std::mutex> lock(mutex_);
                wake_.wait(lock, ready);
            }
            if (stop_.load()) return;
            seen = generation_.load();
            // Join the open job, if any (seq_cst: either the caller's close sees this worker as
            // active and waits for it, or this worker sees the job closed and leaves it alone).
            active_.fetch_add(1);
            if (open_.load()) take_tasks(worker);
            if (active_.fetch_sub(1) == 1) {  // the last one out wakes the caller if it sleeps
                std::lock_guard<std::mutex> lock(mutex_);
                done_.notify_one();
            }
        }
    }

    std::vector<std::thread> workers_;
    std::mutex job_mutex_, mutex_;
    std::condition_variable wake_, done_;
    const std::function<void(int64_t, int)>* fn_ = nullptr;
    int64_t n_ = 0;
    std::atomic<int64_t> next_{0};
    std::atomic<int> active_{0};  // workers inside a job
    std::atomic<bool> open_{false};  // the job still takes workers
    std::atomic<uint64_t> generation_{0};
    std::atomic<bool> stop_{false};
};

// fn(task, worker) over [0, n) on pool, or inline (worker 0) without one.
inline void parallel_for(ThreadPool* pool, int64_t n, const std::function<void(int64_t, int)>& fn) {
    if (pool) return pool->run(n, fn);
    for (int64_t i = 0; i < n; ++i) fn(i, 0);
}

inline int pool_size(const ThreadPool* pool) { return pool ? pool->size() : 1; }

}  // namespace lfr
