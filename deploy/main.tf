# fgboot on FunctionGraph with Terraform (huaweicloud provider).
# Creates the least-privilege policy and agency, the function from dist/fgboot.zip
# (`make package`), and its timer triggers. See deploy/README.md.
#
# Checked against the provider's documentation (docs/resources/*.md of
# huaweicloud/terraform-provider-huaweicloud at v1.97.1) by tests/integration/test_terraform.py.

terraform {
  required_providers {
    huaweicloud = {
      source = "huaweicloud/huaweicloud"
      # huaweicloud_fgs_function_trigger first shipped in v1.62.1 (the provider's CHANGELOG.md).
      version = ">= 1.62.1"
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

variable "time_zone" {
  description = "IANA zone of the timer triggers' cron times (CRON_TZ)"
  type        = string
  default     = "Europe/Paris"
}

variable "trigger_style" {
  description = "\"pair\": a hibernate timer and an awake timer; \"schedule\": one timer every 10 minutes running the schedule action"
  type        = string
  default     = "pair"

  validation {
    condition     = contains(["pair", "schedule"], var.trigger_style)
    error_message = "trigger_style must be \"pair\" or \"schedule\"."
  }
}

# CCE and ECS are project-level services: the custom policy's type is XA (region-specific
# projects); AX would scope it to the global services, where CCE and ECS calls are refused.
resource "huaweicloud_identity_role" "fgboot" {
  name        = "fgboot-cce-ecs-start-stop"
  description = "What fgboot calls: CCE hibernate/awake/get/list nodes, ECS list/start/stop"
  type        = "XA"
  policy      = file("${path.module}/agency-policy.json")
}

# delegated_service_name is not in docs/resources/identity_agency.md (removed from the page in
# v1.40.1); the provider's source still accepts it as an internal argument (op_svc_ prefix) and
# it was checked in v1.62.1 and v1.97.1. op_svc_cff is FunctionGraph, what the console's
# "Cloud service" agency for FunctionGraph creates. The documented alternative is
# huaweicloud_identity_service_agency (docs/incubating/identity_service_agency.md, IAM v5:
# delegated_service_name = "service.<name>", policy_names of v5 policies), still incubating;
# or create the agency in the console (deploy/README.md) and put its name in `agency` below.
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
  name          = "fgboot"
  app           = "default"
  description   = "Hibernate and wake CCE clusters, start and stop ECS servers"
  runtime       = "Custom"
  handler       = "bootstrap"
  memory_size   = 128
  timeout       = 30
  code_type     = "zip"
  code_filename = basename(var.zip_path)
  func_code     = filebase64(var.zip_path)
  agency        = huaweicloud_identity_agency.fgboot.name

  user_data = jsonencode({
    region    = var.region
    clusterId = var.cluster_ids
    logFormat = "json"
  })
}

# FunctionGraph cron has six fields (seconds first). Without a CRON_TZ= prefix the times are
# in the region's time zone, not UTC (FunctionGraph user guide, "Cron Expressions for a
# Function Timer Trigger"), so every schedule here names its zone.
resource "huaweicloud_fgs_function_trigger" "hibernate" {
  count        = var.trigger_style == "pair" ? 1 : 0
  function_urn = huaweicloud_fgs_function.fgboot.urn
  type         = "TIMER"
  status       = "ACTIVE"
  event_data = jsonencode({
    name          = "fgboot-hibernate"
    schedule_type = "Cron"
    schedule      = "CRON_TZ=${var.time_zone} 0 15 18 ? * MON-FRI"
    user_event    = "hibernate"
  })
}

resource "huaweicloud_fgs_function_trigger" "awake" {
  count        = var.trigger_style == "pair" ? 1 : 0
  function_urn = huaweicloud_fgs_function.fgboot.urn
  type         = "TIMER"
  status       = "ACTIVE"
  event_data = jsonencode({
    name          = "fgboot-awake"
    schedule_type = "Cron"
    schedule      = "CRON_TZ=${var.time_zone} 0 45 7 ? * MON-FRI"
    user_event    = "awake"
  })
}

# One timer every 10 minutes (a fixed rate, so no zone is involved); the schedule action
# decides from the configuration what each target should be at that moment.
resource "huaweicloud_fgs_function_trigger" "schedule" {
  count        = var.trigger_style == "schedule" ? 1 : 0
  function_urn = huaweicloud_fgs_function.fgboot.urn
  type         = "TIMER"
  status       = "ACTIVE"
  event_data = jsonencode({
    name          = "fgboot-schedule"
    schedule_type = "Rate"
    schedule      = "10m"
    user_event    = "schedule"
  })
}

output "function_urn" {
  value = huaweicloud_fgs_function.fgboot.urn
}
