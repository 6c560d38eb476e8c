import matplotlib
import pytest

matplotlib.use("Agg")


@pytest.fixture
def png_is_drawn(tmp_path):
    """Save a figure to a real PNG and check it is not blank (pixels vary)."""
    import matplotlib.image as mpimg
    import matplotlib.pyplot as plt

    def check(figure, name="figure.png"):
        path = tmp_path / name
        figure.savefig(path, dpi=60)
        plt.close(figure)
        pixels = mpimg.imread(path)
        assert pixels.ndim == 3 and pixels.shape[0] > 50
        assert pixels[..., :3].std() > 0.01, "the PNG is blank"
        return pixels

    return check
