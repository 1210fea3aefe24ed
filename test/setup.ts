import "cdktf/lib/testing/adapters/jest"; // the matchers' type declarations
import { Testing } from "cdktf";

Testing.setupJest();
