"""
Named outputs: several per-sample results from one compiled function
=====================================================================

A learner computes predictions, probabilities, the negative log-likelihood and the
class error together (seed datalearn: "a Learner may compute various things"); the
forward pass is shared. The figure shows the test samples' nll, by correctness.

    python examples/named_outputs.py
"""

from sklearn.datasets import load_iris
from sklearn.model_selection import train_test_split

from sklearn_pylearn.linear_model import LogisticRegression


def main():
    X, y = load_iris(return_X_y=True, as_frame=True)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, random_state=0)
    clf = LogisticRegression(max_iter=300).fit(X_tr, y_tr)
    frame = clf.compute(
        X_te, y_te, outputs=["prediction", "proba", "nll", "class_error"]
    )
    print(frame.head())
    nll, error = frame["nll"].mean(), frame["class_error"].mean()
    print(f"mean nll {nll:.3f}, error rate {error:.3f}")

    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    for wrong, group in frame.groupby("class_error"):
        label = "misclassified" if wrong else "correct"
        ax.hist(group["nll"], bins=20, alpha=0.7, label=label)
    ax.set_xlabel("negative log-likelihood of the true class")
    ax.set_ylabel("test samples")
    ax.legend()


if __name__ == "__main__":
    main()
