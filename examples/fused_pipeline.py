"""
A fused pipeline: one compiled graph, one compile per structure
===============================================================

A preprocessing pipeline whose affine steps fold into one matrix product, and a grid
search whose compile count depends on graph structures, not on fits. The figure draws
the fusion plan.

    python examples/fused_pipeline.py
"""

from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV

import sklearn_pylearn
from sklearn_pylearn.decomposition import PCA
from sklearn_pylearn.feature_selection import VarianceThreshold
from sklearn_pylearn.linear_model import LogisticRegression
from sklearn_pylearn.pipeline import make_pipeline
from sklearn_pylearn.preprocessing import MinMaxScaler, StandardScaler


def main():
    X, y = load_digits(return_X_y=True)
    pipe = make_pipeline(
        VarianceThreshold(), StandardScaler(), PCA(n_components=30), MinMaxScaler()
    ).fit(X)
    print(pipe.fusion_plan())
    print("transformed:", pipe.transform(X).shape)
    print("the fused graph:")
    print(pipe.fusion_plan().segments[0].graph_str())

    clf = make_pipeline(StandardScaler(), PCA(), LogisticRegression(max_iter=300))
    before = sklearn_pylearn.compile_stats()
    grid = GridSearchCV(clf, {"pca__n_components": [10, 20, 30]}, cv=3).fit(X, y)
    after = sklearn_pylearn.compile_stats()
    print(
        f"grid search: {len(grid.cv_results_['params']) * 3 + 1} fits, "
        f"{after['compiles'] - before['compiles']} compiles, "
        f"{after['hits'] - before['hits']} cache hits"
    )
    print("best:", grid.best_params_, f"accuracy {grid.best_score_:.3f}")

    from sklearn_pylearn.plotting import ModelGraphDisplay

    ModelGraphDisplay.from_estimator(pipe)


if __name__ == "__main__":
    main()
