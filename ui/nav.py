"""The app's learning path: one table that the router and the home page both read.

A page appears only once its file exists, so the path never links to nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageInfo:
    path: str  # file under the project root
    title: str  # shown in the navigation
    icon: str  # material icon
    section: str  # navigation section
    url: str  # URL path
    blurb: str  # one line for the learning path on the home page


PATH: tuple[PageInfo, ...] = (
    PageInfo("lessons/entropy.py", "Entropy", ":material/scatter_plot:", "1 · Information", "entropy",
             "How spread out is a distribution? Narrow means low entropy, wide means high."),
    PageInfo("lessons/cross_entropy.py", "Cross-entropy and KL", ":material/compare_arrows:",
             "1 · Information", "cross-entropy",
             "Score a model q against data p: H(p,q) = H(p) + KL(p‖q), and KL is never negative."),
    PageInfo("lessons/generative.py", "Discriminative vs generative", ":material/call_split:",
             "2 · Models", "generative",
             "Model p(X,Y) and classify with Bayes' rule, or model p(Y|X) directly."),
    PageInfo("lessons/derive_loss.py", "Derive a loss", ":material/function:", "3 · Losses",
             "derive-a-loss",
             "Choose a distribution for y given x; its average negative log-likelihood is the loss."),
    PageInfo("lessons/binary.py", "Binary classification", ":material/toggle_on:", "4 · Training",
             "binary", "Bernoulli + sigmoid = binary cross-entropy; train a network live."),
    PageInfo("lessons/multiclass.py", "Multi-class classification", ":material/category:",
             "4 · Training", "multiclass",
             "Categorical + softmax = cross-entropy; watch the class regions form."),
    PageInfo("lessons/regression.py", "Regression", ":material/show_chart:", "4 · Training",
             "regression",
             "Gaussian = MSE; Laplace = L1; Student-t shrugs off outliers; Poisson counts."),
)


def built() -> list[PageInfo]:
    """The pages of the learning path whose files exist, in order."""
    return [p for p in PATH if (ROOT / p.path).exists()]
