// SORT's constant-velocity Kalman filter for one box (Bewley et al. 2016, and its reference code's
// noise settings): state [cx, cy, s, r, vcx, vcy, vs] with s the area and r the aspect ratio (taken as
// constant), observation [cx, cy, s, r].
#pragma once
#include <array>
#include <cmath>

#include "lfr/face/types.h"

namespace lfr {

class BoxKalman {
public:
    static constexpr int N = 7, M = 4;
    using Mat = std::array<std::array<double, N>, N>;

    explicit BoxKalman(const Box& b) {
        const auto z = observe(b);
        for (int i = 0; i < M; ++i) x_[i] = z[i];
        // Unknown velocities start very uncertain (SORT: P[4:,4:] *= 1000, P *= 10).
        for (int i = 0; i < N; ++i) P_[i][i] = i >= M ? 10000 : 10;
    }

    // One frame ahead; returns the predicted box.
    Box predict() {
        if (x_[6] + x_[2] <= 0) x_[6] = 0;  // the area must stay positive
        for (int i = 0; i < 3; ++i) x_[i] += x_[i + 4];
        // P = F P F^T + Q, with F = I plus the position += velocity couplings.
        Mat fp = P_;
        for (int i = 0; i < 3; ++i)
            for (int j = 0; j < N; ++j) fp[i][j] += P_[i + 4][j];
        Mat p = fp;
        for (int i = 0; i < N; ++i)
            for (int j = 0; j < 3; ++j) p[i][j] += fp[i][j + 4];
        for (int i = 0; i < N; ++i) p[i][i] += q(i);
        P_ = p;
        return box();
    }

    // Corrects the state with an observed box.
    void update(const Box& b) {
        const auto z = observe(b);
        // H picks the first 4 state values, so S = P[:4,:4] + R and K = P[:,:4] S^-1.
        double S[M][M], Si[M][M];
        for (int i = 0; i < M; ++i)
            for (int j = 0; j < M; ++j) S[i][j] = P_[i][j] + (i == j ? r(i) : 0);
        invert4(S, Si);
        double K[N][M] = {};
        for (int i = 0; i < N; ++i)
            for (int j = 0; j < M; ++j)
                for (int k = 0; k < M; ++k) K[i][j] += P_[i][k] * Si[k][j];
        double y[M];
        for (int i = 0; i < M; ++i) y[i] = z[i] - x_[i];
        for (int i = 0; i < N; ++i)
            for (int j = 0; j < M; ++j) x_[i] += K[i][j] * y[j];
        Mat p = P_;
        for (int i = 0; i < N; ++i)
            for (int j = 0; j < N; ++j) {
                double kh = 0;
                for (int k = 0; k < M; ++k) kh += K[i][k] * P_[k][j];
                p[i][j] -= kh;
            }
        P_ = p;
    }

    Box box() const {
        const double s = std::max(x_[2], 1e-6), r = std::max(x_[3], 1e-6);
        const double w = std::sqrt(s * r), h = s / w;
        return {float(x_[0] - w / 2), float(x_[1] - h / 2), float(x_[0] + w / 2), float(x_[1] + h / 2)};
    }

private:
    static std::array<double, M> observe(const Box& b) {
        const double w = b.width(), h = std::max(double(b.height()), 1e-6);
        return {(b.x1 + b.x2) / 2.0, (b.y1 + b.y2) / 2.0, w * h, w / h};
    }
    // SORT's R = diag(1, 1, 10, 10) and Q = diag(1, 1, 1, 1, 0.01, 0.01, 1e-4).
    static double r(int i) { return i < 2 ? 1 : 10; }
    static double q(int i) { return i < 4 ? 1 : i < 6 ? 0.01 : 1e-4; }

    // Gauss-Jordan with partial pivoting (S is symmetric positive definite, so this never fails).
    static void invert4(const double (&a)[M][M], double (&inv)[M][M]) {
        double m[M][2 * M];
        for (int i = 0; i < M; ++i)
            for (int j = 0; j < 2 * M; ++j) m[i][j] = j < M ? a[i][j] : (j - M == i ? 1 : 0);
        for (int c = 0; c < M; ++c) {
            int piv = c;
            for (int i = c + 1; i < M; ++i)
                if (std::fabs(m[i][c]) > std::fabs(m[piv][c])) piv = i;
            for (int j = 0; j < 2 * M; ++j) std::swap(m[c][j], m[piv][j]);
            const double d = m[c][c];
            for (int j = 0; j < 2 * M; ++j) m[c][j] /= d;
            for (int i = 0; i < M; ++i)
                if (i != c) {
                    const double f = m[i][c];
                    for (int j = 0; j < 2 * M; ++j) m[i][j] -= f * m[c][j];
                }
        }
        for (int i = 0; i < M; ++i)
            for (int j = 0; j < M; ++j) inv[i][j] = m[i][j + M];
    }

    std::array<double, N> x_{};
    Mat P_{};
};

}  // namespace lfr
