"""chronogan: realistic synthetic time series from LSTM GANs, exported to ONNX and served over HTTP.

One import namespace, three parts:

- `chronogan.artifacts`: the artifact contract (schema, manifest, model store, onnxruntime runner,
  decoding). Torch-free; both sides use it.
- `chronogan.training`: data, networks, losses, trainers, export, evaluation (PyTorch; the `train` extra).
- `chronogan.service`: the HTTP API and the job system (onnxruntime, never torch).

`chronogan.cli` is the `chronogan` command. The estimator API lives in `chronogan.training`
(`from chronogan.training import TimeGAN`).
"""

__version__ = "0.1.0"
