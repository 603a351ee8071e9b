// Tiny networks for the offline-bound small-instance suite (a few layers each).
Network cls {
  Layer conv1 { Type: CONV Stride: { X: 2, Y: 2 } Dimensions: { N: 1, K: 32, C: 3, Y: 66, X: 66, R: 3, S: 3 } }
  Layer conv2 { Type: CONV Dimensions: { N: 1, K: 64, C: 32, Y: 32, X: 32, R: 3, S: 3 } }
  Layer conv3 { Type: CONV Stride: { X: 2, Y: 2 } Dimensions: { N: 1, K: 64, C: 64, Y: 30, X: 30, R: 3, S: 3 } }
  Layer fc { Type: FC Dimensions: { N: 1, K: 100, C: 12544, Y: 1, X: 1, R: 1, S: 1 } }
}
Network seg {
  Layer enc1 { Type: CONV Dimensions: { N: 1, K: 16, C: 3, Y: 66, X: 66, R: 3, S: 3 } }
  Layer dw2 { Type: DSCONV Dimensions: { N: 1, K: 1, C: 16, Y: 64, X: 64, R: 3, S: 3 } }
  Layer pw2 { Type: CONV Dimensions: { N: 1, K: 32, C: 16, Y: 62, X: 62, R: 1, S: 1 } }
  Layer enc3 { Type: CONV Stride: { X: 2, Y: 2 } Dimensions: { N: 1, K: 32, C: 32, Y: 62, X: 62, R: 3, S: 3 } }
  Layer head { Type: CONV Dimensions: { N: 1, K: 8, C: 32, Y: 30, X: 30, R: 1, S: 1 } }
}
Network kp {
  Layer c1 { Type: CONV Dimensions: { N: 1, K: 24, C: 8, Y: 34, X: 34, R: 3, S: 3 } }
  Layer c2 { Type: CONV Dimensions: { N: 1, K: 48, C: 24, Y: 32, X: 32, R: 3, S: 3 } }
  Layer fc { Type: FC Dimensions: { N: 1, K: 42, C: 1024, Y: 1, X: 1, R: 1, S: 1 } }
}
