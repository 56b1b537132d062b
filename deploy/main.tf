# fgboot on FunctionGraph with Terraform (huaweicloud provider).
# Creates the least-privilege policy and agency, the function from dist/fgboot.zip
# (`make package`), and the two timer triggers. See deploy/README.md.

terraform {
  required_providers {
    huaweicloud = {
      source  = "huaweicloud/huaweicloud"
      version = ">= 1.60.0"
    }
  }
}

provider "huaweicloud" {
  region = var.region
}

variable "region" {
  type    = string
  default = "eu-west-0"
}

variable "cluster_ids" {
  description = "CCE cluster ids, comma-separated"
  type        = string
}

variable "zip_path" {
  type    = string
  default = "../dist/fgboot.zip"
}

resource "huaweicloud_identity_role" "fgboot" {
  name        = "fgboot-cce-ecs-start-stop"
  description = "What fgboot calls: CCE hibernate/awake/get/list nodes, ECS list/start/stop"
  type        = "AX"
  policy      = file("${path.module}/agency-policy.json")
}

resource "huaweicloud_identity_agency" "fgboot" {
  name                   = "fgboot-agency"
  description            = "Lets the fgboot function hibernate and wake clusters"
  delegated_service_name = "op_svc_cff"

  project_role {
    project = var.region
    roles   = [huaweicloud_identity_role.fgboot.name]
  }
}

resource "huaweicloud_fgs_function" "fgboot" {
  name        = "fgboot"
  app         = "default"
  description = "Hibernate and wake CCE clusters, start and stop ECS servers"
  runtime     = "Custom"
  handler     = "bootstrap"
  memory_size = 128
  timeout     = 30
  code_type   = "zip"
  func_code   = filebase64(var.zip_path)
  agency      = huaweicloud_identity_agency.fgboot.name

  user_data = jsonencode({
    region    = var.region
    clusterId = var.cluster_ids
    logFormat = "json"
  })
}

# Cron in FunctionGraph's six-field form; times are UTC unless the trigger says otherwise.
resource "huaweicloud_fgs_function_trigger" "hibernate" {
  function_urn = huaweicloud_fgs_function.fgboot.urn
  type         = "TIMER"
  status       = "ACTIVE"
  event_data = jsonencode({
    name           = "fgboot-hibernate"
    schedule_type  = "Cron"
    schedule       = "0 15 18 ? * MON-FRI"
    user_event     = "hibernate"
  })
}

resource "huaweicloud_fgs_function_trigger" "awake" {
  function_urn = huaweicloud_fgs_function.fgboot.urn
  type         = "TIMER"
  status       = "ACTIVE"
  event_data = jsonencode({
    name           = "fgboot-awake"
    schedule_type  = "Cron"
    schedule       = "0 45 7 ? * MON-FRI"
    user_event     = "awake"
  })
}

output "function_urn" {
  value = huaweicloud_fgs_function.fgboot.urn
}
