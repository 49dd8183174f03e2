"""The learned second net under the risk rules: features, training, fast scoring, evaluation."""
