// GENERATED FILE: do not edit. Every schema's field defaults, from the backend's OpenAPI schema.
// Change the backend's schemas or routes, then regenerate with
//   make gen-api        (or: cd frontend && npm run gen:api)
// `make lint` fails while this file differs from what the backend generates.

/** Each schema's field defaults, as the backend declares them (OpenAPI `default`). */
export const SCHEMA_DEFAULTS = {
  "Body_login_api_v1_login_access_token_post": {
    "scope": ""
  },
  "Body_upload_dataset_zip_api_v1_projects__project_id__datasets_upload_post": {
    "format": "generic",
    "unknown_ids": "error"
  },
  "Draft": {
    "seconds_spent": 0,
    "current_point": 0
  },
  "ExportJobOut": {
    "progress": 0
  },
  "ExportRequest": {
    "what": "labels",
    "format": "generic",
    "cumulative": false,
    "include_images": true,
    "image_url_prefix": ""
  },
  "FolderImport": {
    "format": "generic",
    "unknown_ids": "error",
    "background": false
  },
  "ModelSettings": {
    "backbone": "efficientnet_lite0",
    "pretrained": true,
    "output_stride": 16,
    "optimizer": "adamw",
    "iterations": 600,
    "finetune_iterations": 150,
    "selector_iterations": 100,
    "selector_training": "heads",
    "batch_size": 4,
    "lr": 0.001,
    "image_size": [
      192,
      256
    ],
    "adversarial_weight": 0,
    "checkpoint_every": 50,
    "seed": 0
  },
  "ProjectCreate": {
    "selection_method": "ppl",
    "objective": "none",
    "points_per_image": 40,
    "pixel_budget": 0.022,
    "images_per_round": 10,
    "audit_share": 0.05,
    "audit_min_points": 20
  },
  "ProjectOut": {
    "ignore_index": 255
  },
  "RoundAudit": {
    "level": 0.9
  },
  "RoundMetrics": {
    "labelled_pixels": 0,
    "labelled_fraction": 0
  },
  "RoundOut": {
    "task_count": 0,
    "tasks_done": 0,
    "has_model": false
  },
  "Skip": {
    "seconds_spent": 0
  },
  "Submission": {
    "seconds_spent": 0
  },
  "Token": {
    "token_type": "bearer"
  },
  "UserCreate": {
    "role": "annotator"
  }
} as const;
