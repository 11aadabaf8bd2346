// Move-only owners of device memory (DeviceBuffer) and pinned host memory (PinnedBuffer).
// Allocation failures throw lfr::Error; destructors free and never throw. Copies are explicit
// (upload/download, or cudaMemcpyAsync on the raw pointers).
#pragma once
#include <cstddef>
#include <utility>

#include "lfr/cuda/check.h"

namespace lfr {
namespace cuda {

namespace buffer_detail {
struct DeviceAlloc {
    static void* alloc(size_t bytes) {
        void* p = nullptr;
        LFR_CUDA_CHECK(cudaMalloc(&p, bytes));
        return p;
    }
    static void release(void* p) { (void)cudaFree(p); }
};
struct PinnedAlloc {
    static void* alloc(size_t bytes) {
        void* p = nullptr;
        LFR_CUDA_CHECK(cudaMallocHost(&p, bytes));
        return p;
    }
    static void release(void* p) { (void)cudaFreeHost(p); }
};
}  // namespace buffer_detail

template <class T, class Alloc>
class Buffer {
public:
    Buffer() = default;
    explicit Buffer(size_t n) { resize(n); }
    ~Buffer() { reset(); }
    Buffer(const Buffer&) = delete;
    Buffer& operator=(const Buffer&) = delete;
    Buffer(Buffer&& o) noexcept : ptr_(o.ptr_), size_(o.size_) {
        o.ptr_ = nullptr;
        o.size_ = 0;
    }
    Buffer& operator=(Buffer&& o) noexcept {
        if (this != &o) {
            reset();
            std::swap(ptr_, o.ptr_);
            std::swap(size_, o.size_);
        }
        return *this;
    }

    // Makes room for n elements; the old contents are dropped when it has to grow.
    void resize(size_t n) {
        if (n <= size_) return;
        reset();
        if (n == 0) return;
        ptr_ = static_cast<T*>(Alloc::alloc(n * sizeof(T)));
        size_ = n;
    }
    void reset() {
        if (ptr_) Alloc::release(ptr_);
        ptr_ = nullptr;
        size_ = 0;
    }
    T* data() { return ptr_; }
    const T* data() const { return ptr_; }
    size_t size() const { return size_; }
    size_t bytes() const { return size_ * sizeof(T); }

private:
    T* ptr_ = nullptr;
    size_t size_ = 0;
};

template <class T>
using DeviceBuffer = Buffer<T, buffer_detail::DeviceAlloc>;
template <class T>
using PinnedBuffer = Buffer<T, buffer_detail::PinnedAlloc>;

// Synchronous helpers for tests and tools (the session uses its stream instead).
template <class T>
DeviceBuffer<T> upload(const T* host, size_t n) {
    DeviceBuffer<T> d(n);
    if (n) LFR_CUDA_CHECK(cudaMemcpy(d.data(), host, n * sizeof(T), cudaMemcpyHostToDevice));
    return d;
}
template <class T>
void download(const DeviceBuffer<T>& d, T* host, size_t n) {
    if (n) LFR_CUDA_CHECK(cudaMemcpy(host, d.data(), n * sizeof(T), cudaMemcpyDeviceToHost));
}

}  // namespace cuda
}  // namespace lfr
