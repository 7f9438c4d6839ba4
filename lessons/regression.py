"""Regression: Gaussian = MSE, Laplace = L1, Student-t = robust, Poisson = counts; live."""

from __future__ import annotations

import streamlit as st

from ui import training_page

SPEC = training_page.PageSpec(
    key="regression",
    task="regression",
    # opens on noise that grows with x: a fixed spread (MSE) and a learned one differ there
    datasets=("heteroscedastic", "sine", "linear", "outliers", "counts"),
    likelihoods=("gaussian", "gaussian_learned_variance", "laplace", "student_t"),
    count_likelihoods=("poisson", "gaussian", "laplace", "student_t"),
    compare=(
        ("gaussian", (), "Gaussian (MSE)"),
        ("laplace", (), "Laplace (L1)"),
        ("student_t", (("df", 2.0), ("scale", 0.3)), "Student-t (ν = 2)"),
    ),
    compare_training=("adam", 0.01, 500),
    compare_dataset="outliers",
    compare_params=(("n", 400), ("noise", 0.2), ("outlier_fraction", 0.15)),
    compare_on=("outliers",),
    compare_needs="points far from the curve (choose the outliers data set above to compare on it)",
    compare_text=(
        "**Squared error, absolute error and Student-t on data with outliers.** The three "
        "likelihoods differ in how surprised they are by a point far from the curve: the "
        "Gaussian's surprise grows with the squared distance, so a few outliers drag the "
        "whole fit; the Laplace's grows linearly; the Student-t's only logarithmically. "
        "Same data, seed and initial weights."
    ),
)

st.title("Regression")
st.markdown(
    "For a number $y$ the network predicts the parameters of a distribution over it. With a "
    "**Gaussian** of fixed spread around the prediction $\\mu = f_\\theta(x)$, the negative "
    "log-likelihood is the squared error up to a factor and a constant, so minimising it is "
    "least squares. Let the network predict the spread too, or change the distribution "
    "(Laplace, Student-t, Poisson for counts), and the loss changes with it. The band on the "
    "fit is the mean ± 2 standard deviations of the predicted distribution."
)
st.latex(r"p(y \mid x) = \mathcal{N}\big(y;\ \mu,\ \sigma^2\big),\qquad \mu = f_\theta(x)")
training_page.render(SPEC)
