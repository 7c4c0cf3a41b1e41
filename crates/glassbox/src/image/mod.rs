//! Images: CNN runs (training on image folders) and the one explain entry point for images
//! (the CAM family and LIME, with faithfulness checks).
